package dev.klambda.agent.main;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * The {@code install <directory>} init container of functions packaged as container images that
 * are not klambda's: copies this agent's native executable to {@code <directory>/klambda-agent}
 * (mode 0555) on a shared volume, so the function's container can run it as its entrypoint.
 */
final class InstallCommand {

    static final String EXECUTABLE_NAME = "klambda-agent";

    private InstallCommand() {
    }

    /**
     * @param args the arguments after {@code install}: the directory
     * @param command the executable of this process ({@code ProcessHandle.current().info().command()})
     * @throws IllegalArgumentException when the arguments are not one directory
     * @throws IllegalStateException when this agent is not a native executable (the JVM build runs as {@code java})
     */
    static void run(List<String> args, Optional<String> command, PrintStream out) throws IOException {
        if (args.size() != 1 || args.getFirst().isBlank()) {
            throw new IllegalArgumentException("install takes one argument, the directory to copy the agent into");
        }
        Path executable = command.map(Path::of)
                .orElseThrow(() -> new IllegalStateException("cannot tell which executable this process runs"));
        if (isJavaLauncher(executable)) {
            throw new IllegalStateException("this agent runs on a Java VM (" + executable + "), not as a native executable;"
                    + " only the native build (mvn -Pnative) can be installed into another image");
        }
        Path installed = install(executable, Path.of(args.getFirst()));
        out.println("klambda-agent install: copied " + executable + " to " + installed + " (" + Files.size(installed)
                + " bytes)");
    }

    /** Whether {@code executable} is the {@code java} launcher rather than an executable of its own. */
    static boolean isJavaLauncher(Path executable) {
        Path name = executable.getFileName();
        return name != null && (name.toString().equals("java") || name.toString().equals("java.exe"));
    }

    /**
     * Copies {@code executable} to {@code directory/klambda-agent} with mode 0555, creating the
     * directory if needed. The copy appears by a rename, complete, and replaces an earlier one.
     */
    static Path install(Path executable, Path directory) throws IOException {
        Files.createDirectories(directory);
        Path target = directory.resolve(EXECUTABLE_NAME);
        Path temporary = Files.createTempFile(directory, "." + EXECUTABLE_NAME + "-", ".tmp");
        try {
            Files.copy(executable, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("r-xr-xr-x"));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
