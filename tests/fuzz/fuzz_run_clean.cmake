# One `faultsim fuzz` run that must come out clean (-DFAULTSIM, -DITERATIONS,
# -DARGS: the other arguments, a list): exit status 0 (so a crash, a
# sanitizer report or exit 4 fails the test whatever was printed) and, as the
# very last line of stdout, `fuzz: ITERATIONS iterations, 0 mismatches,
# R layouts/s`.
execute_process(COMMAND "${FAULTSIM}" fuzz --iterations "${ITERATIONS}" ${ARGS}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status STREQUAL "0")
  message(FATAL_ERROR "faultsim fuzz exited '${status}', expected 0\n"
                      "--- stdout ---\n${out}\n--- stderr ---\n${err}")
endif()
if(NOT out MATCHES "(^|\n)fuzz: ${ITERATIONS} iterations, 0 mismatches, [0-9]+(\\.[0-9]+)? layouts/s\n$")
  message(FATAL_ERROR "the last line of stdout is not "
                      "'fuzz: ${ITERATIONS} iterations, 0 mismatches, R layouts/s'\n"
                      "--- stdout ---\n${out}\n--- stderr ---\n${err}")
endif()
message(STATUS "${out}")
