package dev.emostream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code emostream.jar}: one sub-command per job. */
@Command(name = "emostream",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Real-time speech emotion: streaming audio in, emotion events out.",
        subcommands = {DemoCommand.class, FeaturesCommand.class, ClassifyCommand.class, EvalCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code when a run completed but some inputs failed (each is reported). */
    public static final int EXIT_PARTIAL_FAILURE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // Errors are one clear line and a non-zero exit code; stack traces only with --debug.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("emostream " + commandLine.getCommandName() + ": " + describe(e));
            if (Boolean.getBoolean("emostream.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli;
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
