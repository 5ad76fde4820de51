package dev.klambda.agent;

/** Where an environment's log lines go: the pod's stdout, or standalone's log. Called from several threads. */
@FunctionalInterface
public interface LogSink {

    /** One line of the function's log, without its line terminator. */
    void line(String line);

    /** Writes lines to this process's standard output, as a function pod's log. */
    static LogSink stdout() {
        return line -> {
            synchronized (System.out) {
                System.out.println(line);
            }
        };
    }
}
