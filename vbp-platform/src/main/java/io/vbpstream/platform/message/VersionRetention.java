package io.vbpstream.platform.message;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Which versions of a model no longer need their statistics: every version but the one served, its parent (what a
 * rollback returns to) and candidates still being validated, once the served version has been promoted for
 * {@code grace} (so the collectors have swapped to it and the last windows of the old version have arrived). The
 * served version is the {@code PROMOTED} one with the latest {@code updatedAt} (a rollback re-promotes the parent with
 * a new one). Nothing is retired while the records do not name a served version, or its promotion time cannot be read.
 */
public final class VersionRetention {

    private VersionRetention() {
    }

    /** The retired version names among {@code versions}, all of one model. */
    public static Set<String> retired(Collection<ModelVersion> versions, Instant now, Duration grace) {
        Optional<ModelVersion> served = versions.stream()
                .filter(v -> v.status() == ModelVersion.Status.PROMOTED && instant(v.updatedAt()) != null)
                .max(Comparator.comparing((ModelVersion v) -> instant(v.updatedAt())).thenComparingInt(ModelVersion::generation));
        Set<String> out = new HashSet<>();
        if (served.isEmpty() || instant(served.get().updatedAt()).plus(grace).isAfter(now)) {
            return out;
        }
        ModelVersion s = served.get();
        for (ModelVersion v : versions) {
            boolean kept = v.version().equals(s.version()) || v.version().equals(s.parentVersion())
                    || v.status() == ModelVersion.Status.CANDIDATE;
            if (!kept) {
                out.add(v.version());
            }
        }
        return out;
    }

    private static Instant instant(String iso) {
        if (iso == null) {
            return null;
        }
        try {
            return Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
