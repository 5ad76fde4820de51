package dev.klambda.invoker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.invoke.Invoker;

class InvokeRouteTest {

    @ParameterizedTest
    @ValueSource(strings = { "{}", "[1, 2]", "\"text\"", "42", "null", " {\"a\": {\"b\": [true]}} \n" })
    void acceptsAnyOneJsonValue(String payload) {
        assertThatCode(() -> InvokeRoute.requireJson(payload.getBytes(StandardCharsets.UTF_8))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = { "{", "not json", "{} {}", "{\"a\":}", "'single'" })
    void refusesWhatIsNotOneJsonValue(String payload) {
        assertThatThrownBy(() -> InvokeRoute.requireJson(payload.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.InvalidRequestContentException);
                    assertThat(e.getMessage())
                            .startsWith("Could not parse request body into json: Could not parse payload into json: ");
                });
    }

    @Test
    void reportsInvalidUtf8AsJacksonAndLambdaDo() {
        assertThatThrownBy(() -> InvokeRoute.requireJson(new byte[] { '"', (byte) 0x87, '"' }))
                .hasMessageStartingWith(
                        "Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte 0x87");
    }

    @Test
    void readsTheInvocationAndLogTypes() {
        assertThat(InvokeRoute.invocationType(null)).isEqualTo(Invoker.Type.RequestResponse);
        assertThat(InvokeRoute.invocationType("DryRun")).isEqualTo(Invoker.Type.DryRun);
        assertThat(InvokeRoute.tailLog("Tail")).isTrue();
        assertThat(InvokeRoute.tailLog(null)).isFalse();
        assertThatThrownBy(() -> InvokeRoute.invocationType("requestresponse"))
                .hasMessage("1 validation error detected: Value 'requestresponse' at 'invocationType' failed to satisfy"
                        + " constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        assertThatThrownBy(() -> InvokeRoute.tailLog("tail"))
                .hasMessage("1 validation error detected: Value 'tail' at 'logType' failed to satisfy constraint:"
                        + " Member must satisfy enum value set: [None, Tail]");
    }

    @Test
    void decodesAClientContextThatIsBase64OfAJsonObject() {
        String json = "{\"custom\":{\"k\":\"v\"}}";
        assertThat(InvokeRoute.clientContext(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(json);
        for (String bad : new String[] { "%%%", Base64.getEncoder().encodeToString("[1]".getBytes()),
                Base64.getEncoder().encodeToString("{".getBytes()), "A".repeat(3584) }) {
            assertThatThrownBy(() -> InvokeRoute.clientContext(bad)).isInstanceOfSatisfying(LambdaException.class,
                    e -> assertThat(e.type()).isEqualTo(ErrorType.InvalidRequestContentException));
        }
    }
}
