package dev.klambda.poller.mapping;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a source's events have around their records, rendered once: an event is the prefix, the
 * records' JSON separated by commas, and the suffix. So a batch's size is known exactly before its
 * event is built.
 */
public final class EventEnvelope {

    private final byte[] prefix;
    private final byte[] suffix;

    /** @param prefix the JSON before the first record, ending in the list's {@code [} */
    public EventEnvelope(String prefix, String suffix) {
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.suffix = suffix.getBytes(StandardCharsets.UTF_8);
    }

    /** The size of an event without records: what every event costs besides its records. */
    public long size() {
        return prefix.length + suffix.length;
    }

    /** The size of the event {@link #event} builds, without building it. */
    public long size(List<byte[]> records) {
        long size = size() + Math.max(0, records.size() - 1);
        for (byte[] record : records) {
            size += record.length;
        }
        return size;
    }

    /** The event for {@code records}, in their order. */
    public byte[] event(List<byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, size(records)));
        out.writeBytes(prefix);
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(records.get(i));
        }
        out.writeBytes(suffix);
        return out.toByteArray();
    }
}
