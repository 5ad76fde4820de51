package dev.klambda.poller.destination;

/** A destination klambda cannot deliver to, on this or any later try. */
public final class UnsupportedDestinationException extends RuntimeException {

    public UnsupportedDestinationException(String message) {
        super(message);
    }
}
