package dev.klambda.poller.destination;

import java.util.LinkedHashMap;
import java.util.Map;

/** Lambda's dead-letter attributes: the request, the HTTP status of the last attempt, its error message. */
record DeadLetter(String requestId, int errorCode, String errorMessage) {

    Map<String, String> attributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("RequestID", requestId);
        attributes.put("ErrorCode", Integer.toString(errorCode));
        attributes.put("ErrorMessage", errorMessage);
        return attributes;
    }
}
