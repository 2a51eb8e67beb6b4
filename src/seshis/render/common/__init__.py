"""What the renderers share and what is not a report format: the wording of numbers and
labels, atomic export files, the fetch progress bar and the --debug log."""
