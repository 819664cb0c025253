"""The student archive (一生一档): the student page, the timeline gathered from every feature, and
the sensitive record. Reads the feature packages; none of them reads it."""
