package dev.klambda.poller.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchItemFailuresTest {

    /** The batch is records 10 to 20 of partition orders-0. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            NULL                                                                                       | success
            null                                                                                       | success
            {}                                                                                         | success
            {"batchItemFailures":[]}                                                                   | success
            {"batchItemFailures":null}                                                                 | success
            {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-0","offset":15}}]}            | 15
            {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-0","offset":"12"}}]}          | 12
            {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-0","offset":18}},{"itemIdentifier":{"partition":"orders-0","offset":11}}]} | 11
            not json                                                                                   | invalid
            "a string"                                                                                 | invalid
            {"batchItemFailures":"x"}                                                                  | invalid
            {"batchItemFailures":[{"itemIdentifier":null}]}                                            | invalid
            {"batchItemFailures":[{"itemIdentifier":""}]}                                              | invalid
            {"batchItemFailures":[{"id":{"partition":"orders-0","offset":15}}]}                        | invalid
            {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-1","offset":15}}]}            | invalid
            {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-0","offset":21}}]}            | invalid
            {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-0","offset":"x"}}]}           | invalid
            """)
    void readsThePartialBatchResponseWithLambdasRules(String response, String expected) {
        BatchItemFailures.Result result = BatchItemFailures.read(
                response == null ? new byte[0] : response.getBytes(StandardCharsets.UTF_8), "orders-0", 10, 20);
        switch (expected) {
            case "success" -> assertThat(result).isInstanceOf(BatchItemFailures.Success.class);
            case "invalid" -> assertThat(result).isInstanceOf(BatchItemFailures.Invalid.class);
            default -> assertThat(result).isEqualTo(new BatchItemFailures.FailedFrom(Long.parseLong(expected)));
        }
    }

    /** The batch is messages a, b and c. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            NULL                                                                   | success
            {"batchItemFailures":[]}                                               | success
            {"batchItemFailures":null}                                             | success
            {"batchItemFailures":[{"itemIdentifier":"b"}]}                         | b
            {"batchItemFailures":[{"itemIdentifier":"c"},{"itemIdentifier":"a"}]}  | a c
            not json                                                               | invalid
            {"batchItemFailures":[{"itemIdentifier":""}]}                          | invalid
            {"batchItemFailures":[{"itemIdentifier":null}]}                        | invalid
            {"batchItemFailures":[{"itemIdentifier":{"partition":"q-0","offset":1}}]} | invalid
            {"batchItemFailures":[{"messageId":"b"}]}                              | invalid
            {"batchItemFailures":[{"itemIdentifier":"z"}]}                         | invalid
            """)
    void readsAnSqsPartialBatchResponseByMessageId(String response, String expected) {
        BatchItemFailures.Result result = BatchItemFailures.readIds(
                response == null ? new byte[0] : response.getBytes(StandardCharsets.UTF_8), Set.of("a", "b", "c"));
        switch (expected) {
            case "success" -> assertThat(result).isInstanceOf(BatchItemFailures.Success.class);
            case "invalid" -> assertThat(result).isInstanceOf(BatchItemFailures.Invalid.class);
            default -> assertThat(result).isEqualTo(new BatchItemFailures.FailedIds(Set.of(expected.split(" "))));
        }
    }
}
