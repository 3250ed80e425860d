package dev.emostream.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code emostream.jar}: one sub-command per job. */
@Command(name = "emostream",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Real-time speech emotion: streaming audio in, emotion events out.",
        subcommands = {RunCommand.class, ProduceCommand.class, TailCommand.class, SendCommand.class, BenchCommand.class, DemoCommand.class, FeaturesCommand.class, ClassifyCommand.class, EvalCommand.class,
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
        // One line per log record (java.util.logging's default takes two), unless configured otherwise.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        }
        configureLogging();
        // No command: run the service, as a container entry point expects.
        System.exit(commandLine().execute(args.length == 0 ? new String[] {"run"} : args));
    }

    /**
     * Kafka logs a great deal at INFO; unless the user gives a java.util.logging configuration,
     * emostream's own INFO lines and Kafka's warnings are shown.
     */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        try (java.io.InputStream in = Main.class.getResourceAsStream("/emostream-logging.properties")) {
            if (in != null) {
                java.util.logging.LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            System.err.println("emostream: cannot read the bundled logging configuration: " + e.getMessage());
        }
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // Errors are one clear line and a non-zero exit code; stack traces only with
        // -Demostream.debug=true (a system property, so no command has to declare an option).
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("emostream " + commandLine.getCommandName() + ": " + describe(e));
            if (Boolean.getBoolean("emostream.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        // A usage error is one line pointing at --help, not the whole usage text.
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine commandLine = e.getCommandLine();
            String name = commandLine.getCommandSpec().qualifiedName();
            String message = e.getMessage().startsWith("Error: ") ? e.getMessage().substring(7) : e.getMessage();
            commandLine.getErr().println(name + ": " + message + " (see '" + name + " --help')");
            return commandLine.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cli;
    }

    /** A one-line reason for a failure, naming the file for file system errors. */
    static String describe(Throwable e) {
        if (e instanceof UncheckedIOException && e.getCause() != null) {
            return describe(e.getCause());
        }
        if (e instanceof FileSystemException fs) {
            return describeFileSystem(fs);
        }
        String message = e.getMessage();
        String text = message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        return e instanceof IOException ? "I/O error: " + text : text;
    }

    private static String describeFileSystem(FileSystemException e) {
        String path = e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile());
        if (e instanceof NoSuchFileException) {
            return "no such file: " + path;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + path;
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory: " + path;
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists: " + path;
        }
        String reason = e.getReason();
        // The JDK reports EISDIR and ENOTDIR with the OS's text and no subclass of its own.
        if ("Is a directory".equalsIgnoreCase(reason)) {
            return "is a directory: " + path;
        }
        if ("Not a directory".equalsIgnoreCase(reason)) {
            return "not a directory: " + path;
        }
        return "FS error (" + (reason == null ? e.getClass().getSimpleName() : reason) + "): " + path;
    }
}
