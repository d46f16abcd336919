# Runs one faultsim command twice and fails unless stdout, stderr (the kernel
# log and the instruction count, with -v) and the exit status are identical
# byte for byte.  Usage: cmake -DFAULTSIM=... -DARGS="a;b;c" -P determinism.cmake
foreach(run 1 2)
  execute_process(COMMAND "${FAULTSIM}" run -v --stats ${ARGS}
                  OUTPUT_VARIABLE out${run} ERROR_VARIABLE err${run} RESULT_VARIABLE rc${run})
endforeach()
if(NOT rc1 EQUAL 0 OR out1 STREQUAL "")
  message(FATAL_ERROR "the run itself failed (exit ${rc1}):\n${err1}")
endif()
if(NOT err1 MATCHES "guest instructions")
  message(FATAL_ERROR "no instruction count in the -v output:\n${err1}")
endif()
if(NOT rc1 STREQUAL rc2)
  message(FATAL_ERROR "exit status differs: ${rc1} then ${rc2}")
endif()
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "stdout differs between two identical runs")
endif()
if(NOT err1 STREQUAL err2)
  message(FATAL_ERROR "stderr (kernel log, counters, instruction count) differs:\n${err1}\n---\n${err2}")
endif()
message(STATUS "two runs identical (exit ${rc1})")
