package rdu.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A main class of this build run in a JVM of its own, for what only a new process shows: identity hash codes, the
 * locale the command line and the standard streams are decoded and encoded in.
 *
 * @param exitCode the process's exit code
 * @param stdout   its standard output, decoded as UTF-8
 * @param stderr   its standard error, decoded as UTF-8
 */
public record SeparateJvm(int exitCode, String stdout, String stderr) {

    /**
     * Runs {@code main} with this JVM's class path, its Vector API and shared-folder settings and {@code jvmOptions},
     * in this process's environment with {@code env} added.
     */
    public static SeparateJvm run(Map<String, String> env, List<String> jvmOptions, Class<?> main, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "-Drdu.shared=" + System.getProperty("rdu.shared")));
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(List.of(args));
        return exec(env, command);
    }

    /**
     * Runs any command (a JVM, a script) in a process of its own, in this process's environment with {@code env}
     * added, and captures its exit code and both output streams as UTF-8.
     */
    public static SeparateJvm exec(Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        // Java encodes a child's arguments in its own locale's charset (under LC_ALL=C an emoji would leave as '?'):
        // bash is given the words as $'\xNN' escapes and passes on their UTF-8 bytes as they are
        var script = new StringBuilder("exec");
        for (String word : command) {
            script.append(" $'");
            for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
                script.append(String.format("\\x%02x", b & 0xff));
            }
            script.append('\'');
        }
        var builder = new ProcessBuilder("bash", "-c", script.toString());
        builder.environment().putAll(env);
        Path out = Files.createTempFile("jvm", ".out");
        Path err = Files.createTempFile("jvm", ".err");
        try {
            int code = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start().waitFor();
            return new SeparateJvm(code, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /**
     * Asserts that {@code main} prints {@code expected} in JVMs with settings a deterministic result does not depend
     * on: other identity hash codes (1 for every object, or its address), so that a HashMap or HashSet keyed by
     * identity, or by a record holding an enum, iterates in another order; another vector width; a single core.
     */
    public static void assertPrintsTheSameInOtherJvms(String expected, Class<?> main)
            throws IOException, InterruptedException {
        for (List<String> options : List.of(
                List.of("-XX:+UnlockExperimentalVMOptions", "-XX:hashCode=2", "-Drdu.vector.bits=128",
                        "-XX:ActiveProcessorCount=1"),
                List.of("-XX:+UnlockExperimentalVMOptions", "-XX:hashCode=4", "-Drdu.vector.bits=256"))) {
            var other = run(Map.of(), options, main);
            assertEquals(0, other.exitCode(), other.stderr());
            assertEquals(expected, other.stdout(), main.getSimpleName() + "'s output in a JVM with " + options);
        }
    }
}
