package dev.klambda.core.code;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A separate process for {@link UnpackedCodeCacheTest}: waits for a start file, then asks the cache
 * for one package from several threads at once and prints how often it unpacked and where.
 */
final class UnpackedCodeCacheRacer {

    private UnpackedCodeCacheRacer() {
    }

    /** Arguments: cache root, sha256, zip, start file, threads. */
    public static void main(String[] args) throws Exception {
        UnpackedCodeCache cache = new UnpackedCodeCache(Path.of(args[0]));
        Path start = Path.of(args[3]);
        int threads = Integer.parseInt(args[4]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(start)) {
            Thread.sleep(1);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<UnpackedCodeCache.Unpacked>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            results.add(pool.submit(() -> cache.unpacked(args[1], Path.of(args[2]))));
        }
        for (Future<UnpackedCodeCache.Unpacked> result : results) {
            System.out.println("directory " + result.get().directory());
        }
        pool.shutdown();
        System.out.println("unpackings " + cache.unpackings());
    }
}
