package dev.klambda.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the command that starts a function's runtime: klambda's Python and Node.js bootstraps,
 * AWS's Java runtime interface client, or a custom runtime's own {@code bootstrap}, with the
 * search paths Lambda gives each (task root first, then layers under /opt).
 */
public final class RuntimeLaunchers {

    /** The entry point of AWS's Java runtime interface client. */
    static final String JAVA_RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";

    private final Interpreters interpreters;

    public RuntimeLaunchers(Interpreters interpreters) {
        this.interpreters = interpreters;
    }

    /** A runtime that cannot be started, e.g. a custom runtime without a bootstrap; the message is AWS's. */
    public static final class UnlaunchableRuntimeException extends Exception {

        private final String errorType;

        UnlaunchableRuntimeException(String errorType, String message) {
            super(message);
            this.errorType = errorType;
        }

        /** The error type the invocation reports, e.g. {@code Runtime.InvalidEntrypoint}. */
        public String errorType() {
            return errorType;
        }
    }

    /** The command for {@code spec}. */
    public RuntimeCommand command(EnvironmentSpec spec) throws UnlaunchableRuntimeException {
        Path opt = spec.optDirectory() == null ? Path.of("/opt") : spec.optDirectory();
        Path runtimeDir = spec.runtimeDirectory();
        String runtime = spec.runtime();
        Map<String, String> env = new LinkedHashMap<>();
        List<String> command = new ArrayList<>();
        if (spec.entryPoint() != null) {
            // A container image: what its ENTRYPOINT and CMD would have started (they bring their own runtime
            // client); a program that is not there fails the launch as Runtime.InvalidEntrypoint.
            return new RuntimeCommand(spec.entryPoint(), env, spec.taskRoot());
        }
        if (runtime.startsWith("python")) {
            String version = runtime.substring("python".length());
            command.add(interpreters.python().orElseThrow(() -> missing("python3", "KLAMBDA_PYTHON")).toString());
            // Imported rather than run as a script, so that Python keeps its compiled form in
            // __pycache__ instead of compiling the whole client at every cold start (about 3.5 ms).
            command.add("-c");
            command.add("import sys; sys.path.insert(0, " + pythonString(runtimeDir.resolve("python").toString())
                    + "); import bootstrap; bootstrap.main()");
            env.put("PYTHONPATH",
                    runtimeDir.resolve("python") + ":" + opt.resolve("python/lib/python" + version + "/site-packages")
                            + ":" + opt.resolve("python"));
        } else if (runtime.startsWith("nodejs")) {
            String major = runtime.substring("nodejs".length(), runtime.indexOf('.'));
            command.add(interpreters.node().orElseThrow(() -> missing("node", "KLAMBDA_NODE")).toString());
            command.add(runtimeDir.resolve("nodejs/bootstrap.mjs").toString());
            env.put("NODE_PATH", opt.resolve("nodejs/node" + major + "/node_modules") + ":" + opt.resolve("nodejs/node_modules")
                    + ":" + runtimeDir.resolve("nodejs/node_modules") + ":" + runtimeDir.resolve("nodejs") + ":"
                    + spec.taskRoot());
        } else if (runtime.startsWith("java")) {
            command.add(interpreters.java().toString());
            // Lambda's own choices for fast starts in small memory: tiered C1, serial GC, most of the memory for heap.
            command.add("-XX:+TieredCompilation");
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-XX:+UseSerialGC");
            command.add("-Xshare:auto");
            command.add("-Xmx" + Math.max(64, spec.memorySizeMb() * 85 / 100) + "m");
            if (interpreters.javaFeatureVersion() >= 22) {
                // the client loads its JNI library; JDK 22+ asks for the permission explicitly
                command.add("--enable-native-access=ALL-UNNAMED");
            }
            command.add("-cp");
            command.add(String.join(":", spec.taskRoot().toString(), spec.taskRoot() + "/lib/*", opt + "/java/lib/*",
                    runtimeDir.resolve("java/lib") + "/*"));
            command.add(JAVA_RIC_MAIN);
            command.add(spec.handler());
        } else if (spec.customRuntime()) {
            Path bootstrap = spec.taskRoot().resolve("bootstrap");
            if (!Files.exists(bootstrap)) {
                bootstrap = opt.resolve("bootstrap");
            }
            if (!Files.exists(bootstrap)) {
                throw new UnlaunchableRuntimeException("Runtime.InvalidEntrypoint", "Couldn't find valid bootstrap(s): ["
                        + spec.taskRoot().resolve("bootstrap") + " " + opt.resolve("bootstrap") + "]");
            }
            command.add(bootstrap.toString());
        } else {
            throw new UnlaunchableRuntimeException("Runtime.InvalidRuntime", "Runtime " + runtime + " is not supported");
        }
        String wrapper = spec.userEnvironment().get("AWS_LAMBDA_EXEC_WRAPPER");
        if (wrapper != null && !spec.customRuntime()) {
            command.add(0, wrapper);
        }
        return new RuntimeCommand(command, env, spec.taskRoot());
    }

    private static String pythonString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static UnlaunchableRuntimeException missing(String interpreter, String variable) {
        return new UnlaunchableRuntimeException("Runtime.InvalidRuntime",
                interpreter + " is not installed on this machine (or set " + variable + " to its path)");
    }
}
