# The libFuzzer smoke run: copy the seed corpus to a scratch directory (the
# fuzzer adds inputs to it) and run a fixed number of executions with a
# fixed seed.  Any mismatch or sanitizer report fails the test.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB _seeds "${CORPUS}/*")
if(_seeds)
  file(COPY ${_seeds} DESTINATION "${WORK}/corpus")
endif()
execute_process(
  COMMAND "${FUZZER}" -runs=${RUNS} -seed=1 -max_len=4096 -print_final_stats=1
          "-artifact_prefix=${WORK}/artifacts/" "${WORK}/corpus"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "libFuzzer smoke run failed (${_rc}); reproducer in ${WORK}/artifacts")
endif()
