package dev.klambda.core.error;

import java.util.Map;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Renders a {@link LambdaException} as the JSON body AWS Lambda sends. */
public final class ErrorBodies {

    /** The header botocore and the AWS SDKs read the error code from. */
    public static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";

    private ErrorBodies() {
    }

    /** E.g. {@code {"Type":"User","Message":"Function not found: arn:..."}}. */
    public static ObjectNode body(LambdaException error) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        String fault = error.type().fault();
        if (fault != null) {
            body.put("Type", fault);
        }
        body.put(error.type().messageMember(), error.getMessage());
        for (Map.Entry<String, Object> member : error.extraMembers().entrySet()) {
            body.putPOJO(member.getKey(), member.getValue());
        }
        return body;
    }
}
