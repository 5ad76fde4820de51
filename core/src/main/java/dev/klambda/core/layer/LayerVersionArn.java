package dev.klambda.core.layer;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a layer version ARN ({@code arn:aws:lambda:<region>:<account>:layer:<name>:<version>}) names. */
public record LayerVersionArn(String region, String accountId, String layerName, long version) {

    private static final Pattern ARN = Pattern
            .compile("arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\\d{12}):layer:([a-zA-Z0-9-_]+):(\\d+)");

    /** The pattern as validation errors print it. */
    public static String pattern() {
        return ARN.pattern();
    }

    /** The parts of {@code arn}; empty when it is not a layer version ARN. */
    public static Optional<LayerVersionArn> parse(String arn) {
        Matcher matcher = arn == null ? null : ARN.matcher(arn);
        if (matcher == null || !matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new LayerVersionArn(matcher.group(1), matcher.group(2), matcher.group(3),
                Long.parseLong(matcher.group(4))));
    }
}
