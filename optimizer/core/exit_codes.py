"""The exit codes of the ``optimizer`` command, defined once (README, "Using it")."""

OK = 0
BAD_INPUT = 2  # a scenario or option that cannot be used as it stands
INFEASIBLE = 3  # proved infeasible (or unbounded)
SOLVER_TROUBLE = 4  # the solver failed, stopped at its limit, or a sweep lost runs
RERUN_MISMATCH = 5  # `optimizer rerun`: the numbers differ from the folder's
INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
BROKEN_PIPE = 141  # the reader of standard output went away (128 + SIGPIPE), as shell tools exit

BY_STATUS = {"optimal": OK, "infeasible": INFEASIBLE, "unbounded": INFEASIBLE,
             "time_limit": SOLVER_TROUBLE, "not_solved": SOLVER_TROUBLE, "error": SOLVER_TROUBLE}
