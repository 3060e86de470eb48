package io.stackl.tasks.schema;

/**
 * The code at the head of a rejection reason. The broker writes every rejection reason as {@code "CODE: sentence"}
 * (docs/adr/0010): it takes the event's {@code rejectionCode} from it, and the gateway the code of a task that only the
 * history service still knows, which keeps the reason but not the code. Consumers of events read the field.
 */
public final class RejectionCodes {

    private RejectionCodes() {}

    /** The code at the head of {@code reason}; {@link RejectionCode#UNKNOWN} if it has none this version knows. */
    public static RejectionCode of(String reason) {
        int colon = reason == null ? -1 : reason.indexOf(':');
        if (colon > 0) {
            try {
                return RejectionCode.valueOf(reason.substring(0, colon));
            } catch (IllegalArgumentException e) {
                // Not one of the codes: UNKNOWN below.
            }
        }
        return RejectionCode.UNKNOWN;
    }
}
