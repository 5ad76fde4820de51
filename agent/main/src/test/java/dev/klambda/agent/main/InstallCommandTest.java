package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallCommandTest {

    @TempDir
    Path dir;

    @Test
    void copiesTheExecutableReadOnlyAndReplacesAnEarlierCopy() throws Exception {
        Path executable = Files.writeString(dir.resolve("klambda-agent-runner"), "native v1");
        Path bin = dir.resolve("shared/bin");

        Path installed = InstallCommand.install(executable, bin);
        Files.writeString(executable, "native v2");
        Path again = InstallCommand.install(executable, bin);

        assertThat(installed).isEqualTo(bin.resolve("klambda-agent")).isEqualTo(again);
        assertThat(Files.readString(installed)).isEqualTo("native v2");
        assertThat(Files.getPosixFilePermissions(installed)).isEqualTo(PosixFilePermissions.fromString("r-xr-xr-x"));
        try (var entries = Files.list(bin)) {
            assertThat(entries).as("no temporary copy is left").containsExactly(installed);
        }
    }

    @Test
    void tellsTheJavaLauncherFromANativeExecutable() {
        assertThat(InstallCommand.isJavaLauncher(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"))).isTrue();
        assertThat(InstallCommand.isJavaLauncher(Path.of("/klambda-agent"))).isFalse();
        assertThat(InstallCommand.isJavaLauncher(Path.of("/var/runtime/klambda-agent"))).isFalse();
    }
}
