package dev.emostream.gateway;

import java.util.concurrent.ConcurrentHashMap;

/** The streams this gateway is taking audio for: one connection per stream id, at most {@code max}. */
final class ActiveStreams {
    enum Claim { OK, IN_USE, FULL }

    private final ConcurrentHashMap<String, Object> owners = new ConcurrentHashMap<>();
    private final int max;

    ActiveStreams(int max) {
        this.max = max;
    }

    synchronized Claim claim(String streamId, Object owner) {
        if (owners.containsKey(streamId)) {
            return Claim.IN_USE;
        }
        if (owners.size() >= max) {
            return Claim.FULL;
        }
        owners.put(streamId, owner);
        return Claim.OK;
    }

    void release(String streamId, Object owner) {
        owners.remove(streamId, owner);
    }

    int size() {
        return owners.size();
    }
}
