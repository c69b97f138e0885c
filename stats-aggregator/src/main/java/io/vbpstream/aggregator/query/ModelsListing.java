package io.vbpstream.aggregator.query;

import java.util.List;

/** {@code GET /statistics/models}: every model and version with its blocks' sample counts, from all instances. */
public record ModelsListing(List<Model> models) {

    public record Model(String model, List<Version> versions) {
    }

    public record Version(String version, List<Block> blocks) {
    }

    public record Block(String block, int width, long count, long deltas) {
    }

    /** One key of one instance's store, as exchanged between instances. */
    public record Entry(String model, String version, String block, int width, long count, long deltas) {
    }
}
