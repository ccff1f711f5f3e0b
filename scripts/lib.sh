# Sourced by the scripts: finds the repository, a JDK >= 25 and the Maven wrapper.
set -euo pipefail
# a script that stops on an error says where, instead of exiting silently
trap 'echo "${0##*/}: stopped: \"$BASH_COMMAND\" failed (exit $?) at line $LINENO" >&2' ERR
RDU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java decodes its command line and file names in the locale's charset (ASCII under LC_ALL=C, where an emoji prompt
# would become '?'s): run it under a UTF-8 locale, like the text rdu reads and prints
if [ "$(locale charmap 2>/dev/null)" != UTF-8 ] && locale -a 2>/dev/null | grep -ix 'c\.utf-\?8' >/dev/null; then
  export LC_ALL=C.UTF-8
fi
# the models, goldens and reference data the project reads but never commits
RDU_SHARED="${RDU_SHARED:-$RDU_ROOT/../shared}"
JAVA_HOME="$("$RDU_ROOT/scripts/find-jdk")"
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# SerialGC: decode allocates little, and the parallel collectors add ~50 MB of resident memory for nothing. A 4 MB
# young generation: what decode allocates dies young (the JIT's warm-up mostly), and a large eden only adds resident
# pages (the default, a third of 1/64 of RAM, made a 110M model's run 70-100 MB larger; 8 MB cost 2.5 MB more than 4).
# The native heap trimmed every 250 ms: the JIT's compilations malloc ~20 MB in their first seconds and free it, but
# glibc keeps freed memory resident until trimmed (a 110M model's 256 tokens peaked ~8 MB higher without it).
# MatVec's methods go to the JIT compilers at a quarter of the usual call and loop counts: a run's first pass (the
# prompt) otherwise spends most of its time in their interpreted and C1 code, where every Vector API operation is a
# call that allocates, and their C2 code started 0.1-0.2 s later. JVM start-up plus first token, 110M F32 model, 10
# rounds interleaved: 1.48 -> 1.34 s (faster in 10 of 10); a half of the counts gained less, a tenth lost. "quiet":
# the JVM would print the command on stdout, into the text. (RduScriptTest checks that the class still exists.)
RDU_JVM_ARGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmn4m
              -XX:TrimNativeHeapInterval=250
              -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,rdu.matmul.MatVec::*,0.25)

mvnw() { "$RDU_ROOT/mvnw" -f "$RDU_ROOT/pom.xml" "$@"; }
