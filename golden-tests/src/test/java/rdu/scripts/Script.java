package rdu.scripts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rdu.testing.SeparateJvm;

/** Runs one of the repository's scripts as a user would, capturing its exit code and both output streams. */
record Script(int exitCode, String stdout, String stderr) {

    /**
     * @param name the script under scripts/
     * @param env  variables added to the environment
     */
    static Script run(String name, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> words = new ArrayList<>(List.of("bash", Path.of(System.getProperty("rdu.root"), "scripts", name)
                .toString()));
        words.addAll(List.of(args));
        SeparateJvm run = SeparateJvm.exec(env, words);
        return new Script(run.exitCode(), run.stdout(), run.stderr());
    }
}
