"""What users look at: figures (:mod:`~survrepro.report.plotting`, every function takes
``ax=``) and the reproduction report (:mod:`~survrepro.report.build`)."""
