package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.marcnuri.helm.LintResult;

/** {@code helm lint --strict}: warnings fail too. */
class ChartLintTest {

    @TempDir
    Path work;

    @Test
    void passesWithTheDefaultValues() {
        assertPasses(Chart.withDefaults().lint(work));
    }

    @Test
    void passesWithEveryOptionalFeatureOn() {
        assertPasses(Chart.withValues("everything-on.yaml").lint(work));
    }

    @Test
    void failsOnValuesTheSchemaRefuses() {
        LintResult result = Chart.withDefaults().values(Chart.resource("values/bad-pull-policy.yaml")).lint(work);

        assertThat(result.isFailed()).isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("/image/pullPolicy");
    }

    private static void assertPasses(LintResult result) {
        assertThat(result.isFailed()).as("lint failed:\n%s", String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }
}
