package dev.klambda.poller.mapping;

/** The consumer of one mapping's source, which runs from {@link #start} until {@link #close}. */
public interface MappingConsumer extends AutoCloseable {

    void start();

    /** Stops reading, lets batches under way finish for a while, and lets go of the source. */
    @Override
    void close() throws InterruptedException;
}
