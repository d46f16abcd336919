# faultsim fuzz on a kernel with a planted bug (-DFAULTSIM, -DPLANTED, -DOUT):
# exit 1, the reproducer (program text) and image on disk, and the printed
# commands; the replay fails again on the planted kernel and passes on the
# real one.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
execute_process(COMMAND "${FAULTSIM}" fuzz --kernel "${PLANTED}" --seed 1 --iterations 500
                        --out "${OUT}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "expected exit 1 on the planted kernel, got ${status}\n${out}\n${err}")
endif()
if(NOT out MATCHES "fuzz: MISMATCH at iteration ([0-9]+) \\(seed 1\\)")
  message(FATAL_ERROR "no mismatch line:\n${out}")
endif()
set(iteration "${CMAKE_MATCH_1}")
set(reproducer "${OUT}/fuzz-mismatch-1-${iteration}.txt")
set(image "${OUT}/fuzz-mismatch-1-${iteration}.bin")
if(NOT EXISTS "${reproducer}" OR NOT EXISTS "${image}")
  message(FATAL_ERROR "no reproducer ${reproducer} or image ${image}:\n${out}")
endif()
if(NOT out MATCHES "faultsim run --ram 16 --kernel [^\n]* --file ${image}:/fuzz/program")
  message(FATAL_ERROR "no run command with the program image:\n${out}")
endif()
if(NOT out MATCHES "replay it:  faultsim fuzz --ram 16 --kernel [^\n]* --reproduce ${reproducer}\n")
  message(FATAL_ERROR "no exact replay command:\n${out}")
endif()
if(NOT out MATCHES "[0-9.]+ layouts/s\n$")
  message(FATAL_ERROR "the last line does not give the rate:\n${out}")
endif()

execute_process(COMMAND "${FAULTSIM}" fuzz --kernel "${PLANTED}" --reproduce "${reproducer}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "the reproducer passed on the planted kernel (${status}):\n${out}\n${err}")
endif()
execute_process(COMMAND "${FAULTSIM}" fuzz --reproduce "${reproducer}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the reproducer fails on the real kernel (${status}):\n${out}\n${err}")
endif()
