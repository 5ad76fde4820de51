package dev.klambda.agent;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The environment variables a runtime process gets, as AWS sets them (shared/reference, section
 * 1.9): Lambda's own first, then the user's, which never override a reserved name.
 */
public final class RuntimeVariables {

    /** Names users cannot set; AWS's list. */
    public static final Set<String> RESERVED = Set.of("_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR");

    /** Platform keys the user cannot change either (the Runtime Interface Emulator treats them so). */
    private static final Set<String> PLATFORM = Set.of("TZ", "AWS_DEFAULT_REGION");

    /** Lambda's limit on the user's variables, measured on their compact JSON. */
    public static final int MAX_USER_BYTES = 4096;

    private RuntimeVariables() {
    }

    /** A log stream name in Lambda's shape: {@code 2026/11/23/[$LATEST]0123...cdef}. */
    public static String logStreamName(String version) {
        StringBuilder hex = new StringBuilder(32);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 32; i++) {
            hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        return LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy/MM/dd")) + "/[" + version + "]" + hex;
    }

    /**
     * The variables for a runtime of {@code spec} listening to the Runtime API at {@code runtimeApi}.
     *
     * @throws IllegalArgumentException when the user's variables exceed Lambda's 4 KB, with Lambda's message
     */
    public static Map<String, String> forRuntime(EnvironmentSpec spec, String runtimeApi, String logStreamName,
            RuntimeCommand command) {
        checkSize(spec.userEnvironment());
        FunctionIdentity function = spec.function();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(spec.memorySizeMb()));
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", spec.initializationType());
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", logStreamName);
        env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        env.put("AWS_REGION", function.region());
        env.put("AWS_DEFAULT_REGION", function.region());
        if (!spec.customRuntime()) {
            env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + spec.runtime());
        }
        if (spec.handler() != null) {
            env.put("_HANDLER", spec.handler());
        }
        env.put("LAMBDA_TASK_ROOT", spec.taskRoot().toString());
        if (spec.runtimeDirectory() != null) {
            env.put("LAMBDA_RUNTIME_DIR", spec.runtimeDirectory().toString());
        }
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        env.put("LC_CTYPE", "C.UTF-8");
        String opt = spec.optDirectory() == null ? "/opt" : spec.optDirectory().toString();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin:" + opt + "/bin");
        env.put("LD_LIBRARY_PATH", spec.taskRoot() + ":" + spec.taskRoot() + "/lib:" + opt + "/lib");
        env.put("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
        env.putAll(command.environment());
        for (Map.Entry<String, String> variable : spec.userEnvironment().entrySet()) {
            if (!RESERVED.contains(variable.getKey()) && !PLATFORM.contains(variable.getKey())) {
                env.put(variable.getKey(), variable.getValue());
            }
        }
        return env;
    }

    /** Lambda measures the user's variables as compact JSON, in bytes. */
    static void checkSize(Map<String, String> variables) {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, String> variable : variables.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(PlatformErrors.escape(variable.getKey())).append("\":\"")
                    .append(PlatformErrors.escape(variable.getValue())).append('"');
        }
        json.append('}');
        if (json.toString().getBytes(StandardCharsets.UTF_8).length > MAX_USER_BYTES) {
            throw new IllegalArgumentException("Lambda was unable to configure your environment variables because the "
                    + "environment variables you have provided exceeded the 4KB limit. String measured: " + json);
        }
    }
}
