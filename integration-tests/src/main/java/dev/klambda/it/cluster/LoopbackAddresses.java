package dev.klambda.it.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Collection;
import java.util.TreeSet;

/**
 * The pod IPs of a fake node: 127.0.0.N from a first N up, the lowest free one first, each given
 * back when its pod's processes are gone. An address whose ports something else on the machine
 * already holds (another engineer's fake node, a service on 0.0.0.0) is skipped.
 */
final class LoopbackAddresses {

    private static final int LAST = 254;

    private final int first;
    private final TreeSet<Integer> taken = new TreeSet<>();

    LoopbackAddresses(int first) {
        if (first < 2 || first > LAST) {
            throw new IllegalArgumentException("the first address must be 127.0.0.2 to 127.0.0.254, not 127.0.0." + first);
        }
        this.first = first;
    }

    /**
     * The lowest free address where every one of {@code ports} can be bound.
     *
     * @throws IllegalStateException when none is left
     */
    synchronized String allocate(Collection<Integer> ports) {
        for (int n = first; n <= LAST; n++) {
            if (!taken.contains(n) && bindable("127.0.0." + n, ports)) {
                taken.add(n);
                return "127.0.0." + n;
            }
        }
        throw new IllegalStateException("no loopback address from 127.0.0." + first + " up has ports " + ports + " free");
    }

    synchronized void release(String address) {
        taken.remove(Integer.parseInt(address.substring(address.lastIndexOf('.') + 1)));
    }

    private static boolean bindable(String address, Collection<Integer> ports) {
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
