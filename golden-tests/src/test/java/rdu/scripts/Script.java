package rdu.scripts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs one of the repository's scripts as a user would, capturing its exit code and both output streams. */
record Script(int exitCode, String stdout, String stderr) {

    /**
     * @param name the script under scripts/
     * @param env  variables added to the environment
     * @param temp a folder for the captured output
     */
    static Script run(String name, Map<String, String> env, Path temp, String... args)
            throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("rdu.root"), "scripts", name);
        List<String> words = new ArrayList<>(List.of(script.toString()));
        words.addAll(List.of(args));
        // Java encodes a child's arguments in its locale's charset (ASCII under LC_ALL=C): bash gets the words as
        // $'\xNN' escapes of their UTF-8 bytes and passes those on as they are
        var command = new StringBuilder("exec bash");
        for (String word : words) {
            command.append(" $'");
            for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
                command.append(String.format("\\x%02x", b & 0xff));
            }
            command.append('\'');
        }
        var builder = new ProcessBuilder("bash", "-c", command.toString());
        builder.environment().putAll(env);
        Path out = Files.createTempFile(temp, "out", ".txt");
        Path err = Files.createTempFile(temp, "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        int code = builder.start().waitFor();
        return new Script(code, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
