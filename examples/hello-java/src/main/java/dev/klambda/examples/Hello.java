package dev.klambda.examples;

import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/** Says hello; written against aws-lambda-java-core like any Lambda Java handler. */
public class Hello implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Object name = event == null ? null : event.get("name");
        return Map.of(
                "message", "Hello, " + (name == null ? "world" : name) + "!",
                "function", context.getFunctionName(),
                "version", context.getFunctionVersion());
    }
}
