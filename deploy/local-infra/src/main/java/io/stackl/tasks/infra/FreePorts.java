package io.stackl.tasks.infra;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds ports that are free on the loopback interface. */
public final class FreePorts {

    private FreePorts() {}

    /** A port the OS reports free right now; there is a short window in which another process could take it. */
    public static int any() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new InfrastructureException("no free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    /** The preferred port if it is free, otherwise any free one. */
    static int preferring(int preferred) {
        if (preferred > 0 && isFree(preferred)) {
            return preferred;
        }
        return any();
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a start-up failure says that a port was taken (the JDK's and Quarkus' wording). */
    static boolean isPortTaken(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (t instanceof BindException
                    || message != null && (message.contains("Address already in use") || message.contains("already bound"))) {
                return true;
            }
        }
        return false;
    }
}
