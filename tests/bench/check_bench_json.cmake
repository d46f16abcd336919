# Runs `faultsim bench --quick --json JSON` and checks the document: every
# required key present and numeric, region_scaling an object of K ->
# {ns_per_fault, guest_insns_per_fault}.  No timing is asserted.
file(REMOVE "${JSON}")
execute_process(COMMAND "${FAULTSIM}" bench --quick --json "${JSON}"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "faultsim bench --quick failed (${status}):\n${out}\n${err}")
endif()
message(STATUS "${out}")
file(READ "${JSON}" doc)

function(expect_number json key)
  string(JSON type ERROR_VARIABLE e TYPE "${json}" ${key})
  if(e OR NOT type STREQUAL "NUMBER")
    message(FATAL_ERROR "bench JSON: '${key}' is missing or not a number (${type}${e})")
  endif()
endfunction()

foreach(key anon_fault_ns anon_fault_ns_native anon_ratio_vs_native file_fault_ns_cold
    file_fault_ns_warm guest_insns_per_anon_fault region_scaling_ratio
    offline_replay_events_per_s full_replay_vs_run_ratio startup_ms)
  expect_number("${doc}" ${key})
endforeach()
foreach(phase entry_exit classification allocation zeroing mapping)
  expect_number("${doc}" "guest_insns_per_anon_fault_phases;${phase}")
endforeach()
string(JSON type TYPE "${doc}" region_scaling)
if(NOT type STREQUAL "OBJECT")
  message(FATAL_ERROR "bench JSON: region_scaling is not an object")
endif()
foreach(k 16 256 4096 65536)
  expect_number("${doc}" "region_scaling;${k};ns_per_fault")
  expect_number("${doc}" "region_scaling;${k};guest_insns_per_fault")
endforeach()
# qemu_anon_fault_ns only when measured; otherwise a note says why not.
string(JSON qemu ERROR_VARIABLE no_qemu TYPE "${doc}" qemu_anon_fault_ns)
if(no_qemu)
  string(JSON note ERROR_VARIABLE no_note GET "${doc}" qemu_note)
  if(no_note)
    message(FATAL_ERROR "bench JSON: neither qemu_anon_fault_ns nor qemu_note")
  endif()
else()
  expect_number("${doc}" qemu_anon_fault_ns)
endif()
# Bad flags are usage errors.
execute_process(COMMAND "${FAULTSIM}" bench --no-such-flag RESULT_VARIABLE status
  OUTPUT_QUIET ERROR_QUIET)
if(NOT status EQUAL 2)
  message(FATAL_ERROR "faultsim bench --no-such-flag exited ${status}, not 2")
endif()
