package dev.klambda.core.code;

import java.io.IOException;

import dev.klambda.core.error.LambdaException;

/**
 * A code package or layer that cannot be used: not a zip, too large once unzipped, or with an entry
 * that would land outside its directory. The message names the entry; {@link #lambdaMessage()} is
 * Lambda's own wording for API callers.
 */
public final class InvalidCodePackageException extends IOException {

    /** What is wrong with the package. */
    public enum Reason {
        /** Not a zip, a damaged one, or one using compression or encryption we cannot read. */
        NOT_A_ZIP,
        /** The function's code and its layers, unzipped, reach {@link ZipExtractor#MAX_UNZIPPED_SIZE}. */
        TOO_LARGE,
        /** More entries than {@link ZipExtractor#MAX_ENTRIES}. */
        TOO_MANY_ENTRIES,
        /** An entry (or symbolic link target) outside the directory, or of a kind we do not unpack. */
        UNSAFE_ENTRY
    }

    static final String COULD_NOT_UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again.";

    private final Reason reason;
    private final long maxUnzippedSize;

    private InvalidCodePackageException(Reason reason, String message, long maxUnzippedSize, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.maxUnzippedSize = maxUnzippedSize;
    }

    static InvalidCodePackageException notAZip(String detail, Throwable cause) {
        return new InvalidCodePackageException(Reason.NOT_A_ZIP, "Not a readable zip archive: " + detail, 0, cause);
    }

    static InvalidCodePackageException tooLarge(long maxUnzippedSize) {
        return new InvalidCodePackageException(Reason.TOO_LARGE, unzippedSizeMessage(maxUnzippedSize), maxUnzippedSize,
                null);
    }

    static InvalidCodePackageException tooManyEntries(int entries, int maxEntries) {
        return new InvalidCodePackageException(Reason.TOO_MANY_ENTRIES,
                "The zip has " + entries + " entries; at most " + maxEntries + " are allowed", 0, null);
    }

    static InvalidCodePackageException unsafeEntry(String entry, String problem) {
        return new InvalidCodePackageException(Reason.UNSAFE_ENTRY, "Zip entry '" + entry + "' " + problem, 0, null);
    }

    public Reason reason() {
        return reason;
    }

    /** The message Lambda's API gives for this failure (it never names the entry). */
    public String lambdaMessage() {
        return reason == Reason.TOO_LARGE ? unzippedSizeMessage(maxUnzippedSize) : COULD_NOT_UNZIP;
    }

    /** This failure as the API reports it: 400 InvalidParameterValueException with Lambda's wording. */
    public LambdaException toLambdaException() {
        return LambdaException.invalidParameter(lambdaMessage());
    }

    private static String unzippedSizeMessage(long maxUnzippedSize) {
        return "Unzipped size must be smaller than " + maxUnzippedSize + " bytes";
    }
}
