package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The Lambda runtimes klambda runs, by Lambda's identifiers. */
public enum Runtime {
    @JsonProperty("python3.10")
    PYTHON_3_10("python3.10"),
    @JsonProperty("python3.11")
    PYTHON_3_11("python3.11"),
    @JsonProperty("python3.12")
    PYTHON_3_12("python3.12"),
    @JsonProperty("python3.13")
    PYTHON_3_13("python3.13"),
    @JsonProperty("nodejs18.x")
    NODEJS_18("nodejs18.x"),
    @JsonProperty("nodejs20.x")
    NODEJS_20("nodejs20.x"),
    @JsonProperty("nodejs22.x")
    NODEJS_22("nodejs22.x"),
    @JsonProperty("java17")
    JAVA_17("java17"),
    @JsonProperty("java21")
    JAVA_21("java21"),
    @JsonProperty("provided.al2023")
    PROVIDED_AL2023("provided.al2023"),
    @JsonProperty("provided.al2")
    PROVIDED_AL2("provided.al2"),
    @JsonProperty("provided")
    PROVIDED("provided");

    private final String id;

    Runtime(String id) {
        this.id = id;
    }

    /** Lambda's identifier, e.g. {@code python3.12}. */
    public String id() {
        return id;
    }

    /** Whether the function brings its own {@code bootstrap} executable. */
    public boolean isCustom() {
        return this == PROVIDED || this == PROVIDED_AL2 || this == PROVIDED_AL2023;
    }

    /** The runtime with Lambda's identifier {@code id}, or null. */
    public static Runtime fromId(String id) {
        for (Runtime runtime : values()) {
            if (runtime.id.equals(id)) {
                return runtime;
            }
        }
        return null;
    }
}
