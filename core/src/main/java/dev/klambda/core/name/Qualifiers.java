package dev.klambda.core.name;

import java.util.regex.Pattern;

/** Lambda's qualifiers: {@code $LATEST}, a version number, or an alias name. */
public final class Qualifiers {

    public static final String LATEST = "$LATEST";

    private static final Pattern VERSION_NUMBER = Pattern.compile("[0-9]+");
    private static final Pattern ALIAS_NAME = Pattern.compile("[a-zA-Z0-9_-]+");

    private Qualifiers() {
    }

    /** Whether {@code qualifier} is {@code $LATEST} or absent, i.e. names the unpublished function. */
    public static boolean isLatest(String qualifier) {
        return qualifier == null || LATEST.equals(qualifier);
    }

    /** Whether {@code qualifier} is a published version number. */
    public static boolean isVersionNumber(String qualifier) {
        return qualifier != null && VERSION_NUMBER.matcher(qualifier).matches();
    }

    /** Whether {@code name} is a valid alias name: Lambda's characters, 1-128, not all digits. */
    public static boolean isAliasName(String name) {
        return name != null && !name.isEmpty() && name.length() <= 128 && ALIAS_NAME.matcher(name).matches()
                && !isVersionNumber(name);
    }
}
