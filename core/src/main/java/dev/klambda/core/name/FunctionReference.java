package dev.klambda.core.name;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;

/**
 * A function as a caller named it: any of the forms Lambda accepts for {@code FunctionName}
 * (name, {@code name:qualifier}, partial ARN {@code 123456789012:function:name[:qualifier]}, full
 * ARN), combined with the {@code Qualifier} parameter. Parsing follows the service model's
 * patterns and AWS's recorded error messages.
 *
 * @param name the function name
 * @param qualifier {@code $LATEST}, a version number or an alias name; null when none was given
 * @param accountId the account the ARN named, or null
 * @param region the region the ARN named, or null
 */
public record FunctionReference(String name, String qualifier, String accountId, String region) {

    /** Which variant of the service model's FunctionName shape an operation uses. */
    public enum Shape {
        /** {@code FunctionName}: CreateFunction, UpdateFunctionCode, PublishVersion, aliases, ... (max 140). */
        FUNCTION_NAME(140,
                "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"),
        /** {@code NamespacedFunctionName}: Invoke, GetFunction, DeleteFunction, ... (max 256). */
        NAMESPACED(256,
                "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?");

        private final int maxLength;
        private final String modelPattern;
        private final Pattern pattern;
        // Names parsed before, without a Qualifier parameter: every invocation parses its function's name, the
        // poller a full ARN several times per event, and the pattern is slow next to a map lookup.
        private final Map<String, FunctionReference> parsed = new ConcurrentHashMap<>();

        Shape(int maxLength, String modelPattern) {
            this.maxLength = maxLength;
            this.modelPattern = modelPattern;
            this.pattern = Pattern.compile(modelPattern);
        }

        /** The pattern as AWS prints it in validation errors. */
        public String modelPattern() {
            return modelPattern;
        }
    }

    /** The longest bare function name. */
    public static final int MAX_NAME_LENGTH = 64;

    private static final int REGION_GROUP = 3;
    private static final int ACCOUNT_GROUP = 9;
    private static final int NAME_GROUP = 11;
    private static final int QUALIFIER_GROUP = 13;

    /** Parsed names kept per shape. */
    private static final int MAX_PARSED = 4096;

    private static final Pattern QUALIFIER = Pattern.compile("\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9_$-]+");

    /**
     * Parses {@code functionName} and merges {@code qualifierParameter} (the {@code Qualifier} query
     * parameter, may be null) into it.
     *
     * @throws LambdaException ValidationException for a malformed name or qualifier,
     *         InvalidParameterValueException for a bare name over 64 characters or a qualifier
     *         that contradicts the one in the name
     */
    public static FunctionReference parse(String functionName, String qualifierParameter, Shape shape) {
        if (qualifierParameter != null || functionName == null) {
            return parseAnew(functionName, qualifierParameter, shape);
        }
        // Bounded: callers may name any number of functions that do not exist. A name that fails to parse is not kept.
        if (shape.parsed.size() >= MAX_PARSED) {
            shape.parsed.clear();
        }
        return shape.parsed.computeIfAbsent(functionName, name -> parseAnew(name, null, shape));
    }

    private static FunctionReference parseAnew(String functionName, String qualifierParameter, Shape shape) {
        if (functionName == null || functionName.isEmpty()) {
            throw LambdaException.validation("functionName", functionName,
                    "Member must have length greater than or equal to 1");
        }
        Matcher matcher = shape.pattern.matcher(functionName);
        if (!matcher.matches()) {
            throw LambdaException.validation("functionName", functionName,
                    "Member must satisfy regular expression pattern: " + shape.modelPattern);
        }
        String name = matcher.group(NAME_GROUP);
        String qualifier = matcher.group(QUALIFIER_GROUP);
        if (functionName.equals(name) && name.length() > MAX_NAME_LENGTH) {
            throw new LambdaException(ErrorType.InvalidParameterValueException, LambdaException.constraintViolation(
                    "functionName", functionName, "Member must have length less than or equal to " + MAX_NAME_LENGTH));
        }
        if (functionName.length() > shape.maxLength) {
            throw LambdaException.validation("functionName", functionName,
                    "Member must have length less than or equal to " + shape.maxLength);
        }
        if (qualifierParameter != null) {
            if (qualifierParameter.isEmpty() || qualifierParameter.length() > 128
                    || !QUALIFIER.matcher(qualifierParameter).matches()) {
                throw LambdaException.validation("qualifier", qualifierParameter,
                        "Member must satisfy regular expression pattern: " + QUALIFIER.pattern());
            }
            if (qualifier != null && !qualifier.equals(qualifierParameter)) {
                throw LambdaException.invalidParameter(
                        "The derived qualifier from the function name does not match the specified qualifier.");
            }
            qualifier = qualifierParameter;
        }
        String region = matcher.group(REGION_GROUP);
        String account = matcher.group(ACCOUNT_GROUP);
        return new FunctionReference(name, qualifier, account == null ? null : account.substring(0, 12),
                region == null ? null : region.substring(0, region.length() - 1));
    }

    /**
     * Checks that the reference belongs to {@code region}.
     *
     * @throws LambdaException 404 "Functions from 'x' are not reachable in this region ('y')"
     */
    public FunctionReference requireRegion(String expectedRegion) {
        if (region != null && !region.equals(expectedRegion)) {
            throw new LambdaException(ErrorType.ResourceNotFoundException,
                    "Functions from '" + region + "' are not reachable in this region ('" + expectedRegion + "')");
        }
        return this;
    }

    /** The qualifier as Lambda resolves an absent one: {@code $LATEST}. */
    public String qualifierOrLatest() {
        return qualifier == null ? Qualifiers.LATEST : qualifier;
    }

    /** The ARN of what was named, in {@code region} and {@code account}, qualified only if a qualifier was given. */
    public String arn(String region, String account) {
        return Arns.function(region, account, name, qualifier);
    }
}
