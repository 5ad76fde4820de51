package dev.klambda.agent.main.fetch;

import java.net.URI;
import java.util.Optional;

/**
 * One zip to fetch: the function's code or one of its layers.
 *
 * @param name what it is in log lines and errors: {@code code}, {@code layer 1}, {@code layer 2}...
 * @param source an http, https or file URI
 * @param sha256 the SHA-256 it must have, as lowercase hex; empty when not checked
 */
public record Artifact(String name, URI source, Optional<String> sha256) {

    /** The source without user info, query or fragment: the code store's signed URLs carry their signature in the query. */
    public String displaySource() {
        if ("file".equals(source.getScheme())) {
            return "file://" + source.getPath();
        }
        StringBuilder shown = new StringBuilder(source.getScheme()).append("://").append(source.getHost());
        if (source.getPort() >= 0) {
            shown.append(':').append(source.getPort());
        }
        return shown.append(source.getRawPath() == null ? "" : source.getRawPath()).toString();
    }

    /** {@code code from https://host/path}: how messages name this artifact. */
    @Override
    public String toString() {
        return name + " from " + displaySource();
    }
}
