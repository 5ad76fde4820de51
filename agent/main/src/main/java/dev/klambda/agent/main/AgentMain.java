package dev.klambda.agent.main;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import dev.klambda.agent.main.fetch.FetchCommand;
import dev.klambda.agent.main.fetch.FetchException;

/**
 * The agent's entry point, with one mode per container of a function pod: {@code serve} (the
 * default) runs the execution environment; the init containers' {@code fetch} and
 * {@code install} do their one job and exit without starting Quarkus, so they need none of the
 * serving configuration and take milliseconds.
 *
 * <p>
 * Exit codes of {@code fetch} and {@code install}: {@value #OK} done, {@value #FAILED} failed,
 * {@value #USAGE} wrong arguments or configuration. A failure is one line on stderr.
 */
@QuarkusMain
public final class AgentMain {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_LINE = "usage: klambda-agent [serve] | fetch | install <directory>";

    /** A mode that runs to completion; {@link IllegalArgumentException} means wrong arguments or configuration. */
    @FunctionalInterface
    interface Command {
        void run() throws Exception;
    }

    private AgentMain() {
    }

    public static void main(String... args) {
        String mode = args.length == 0 ? "serve" : args[0];
        List<String> rest = args.length == 0 ? List.of() : Arrays.asList(args).subList(1, args.length);
        switch (mode) {
            case "serve" -> Quarkus.run(rest.toArray(String[]::new));
            case "fetch" -> System.exit(run("fetch", System.err, () -> {
                if (!rest.isEmpty()) {
                    throw new IllegalArgumentException("takes no arguments; it reads KLAMBDA_FETCH_* variables");
                }
                FetchCommand.run(System.getenv(), System.out);
            }));
            case "install" -> System.exit(run("install", System.err,
                    () -> InstallCommand.run(rest, ProcessHandle.current().info().command(), System.out)));
            default -> System.exit(run("", System.err, () -> {
                throw new IllegalArgumentException("unknown mode '" + mode + "'");
            }));
        }
    }

    /** Runs {@code command} and turns its outcome into an exit code, with one line on {@code err} when it failed. */
    static int run(String mode, PrintStream err, Command command) {
        String prefix = mode.isEmpty() ? "klambda-agent: " : "klambda-agent " + mode + ": ";
        try {
            command.run();
            return OK;
        } catch (IllegalArgumentException e) {
            err.println(prefix + oneLine(e.getMessage()) + " (" + USAGE_LINE + ")");
            return USAGE;
        } catch (Exception e) {
            err.println(prefix + oneLine(FetchException.describe(e)));
            return FAILED;
        }
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
