package io.stackl.tasks.cli;

import io.stackl.tasks.client.StacklClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the client, the output format and the writers picocli was given. */
abstract class ClientCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    Stackl root() {
        return (Stackl) spec.root().userObject();
    }

    StacklClient client() {
        return root().client();
    }

    Output.Format format() {
        return root().output;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
