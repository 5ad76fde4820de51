package dev.klambda.standalone.store;

import java.nio.file.Path;

/**
 * Something wrong with a manifest file, as standalone reports it: the file and what is wrong,
 * e.g. {@code Function "hello" (document 1): spec.memorySize: Invalid value: ...}.
 */
public record Problem(Path file, String message) {

    @Override
    public String toString() {
        return file + ": " + message;
    }
}
