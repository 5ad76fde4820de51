package dev.klambda.agent;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to start a runtime process: the command line, the runtime-specific environment variables
 * (added to Lambda's), and the working directory.
 */
public record RuntimeCommand(List<String> command, Map<String, String> environment, Path workingDirectory) {

    public RuntimeCommand {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
