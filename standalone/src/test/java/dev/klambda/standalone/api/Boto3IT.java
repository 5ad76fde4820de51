package dev.klambda.standalone.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;

import dev.klambda.standalone.ManifestsResource;

/** boto3's waiters (function_active_v2, function_updated_v2, ...) and paginators against the packaged platform. */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "lifecycle-manifests"))
class Boto3IT {

    @TempDir
    Path scratch;

    @Test
    void waitersAndPaginatorsWork() throws Exception {
        Assumptions.assumeTrue(new ProcessBuilder("python3", "-c", "import boto3").start().waitFor() == 0,
                "python3 with boto3 is not installed");
        Path script = Path.of("src", "test", "resources", "boto3", "walkthrough.py").toAbsolutePath();
        Path output = scratch.resolve("out.txt");
        Process python = new ProcessBuilder("python3", script.toString(), "http://127.0.0.1:" + RestAssured.port)
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(python.waitFor(180, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(output);
        assertThat(python.exitValue()).as(printed).isZero();
        assertThat(printed).contains("boto3 walkthrough ok");
    }
}
