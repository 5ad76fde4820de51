package dev.klambda.poller.mapping;

/** What a mapping's consumer tells whoever keeps the mapping's status. */
public interface MappingListener {

    /** The source is reachable and the consumer reads it. */
    void running();

    /** Outcome of the last batch: {@code OK} or {@code PROBLEM: ...} (Lambda's LastProcessingResult). */
    void result(String lastProcessingResult);

    /** The source cannot be read: Lambda's StateTransitionReason code and what went wrong. */
    void sourceProblem(String reason, String message);

    /** Records waiting, summed over what this consumer reads. */
    void lag(long records);
}
