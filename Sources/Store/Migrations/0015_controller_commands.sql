-- Commands to the edge controller itself, and timed opens (docs/irrigation.md, "Controller re-arm" and "Timed opens").
--
-- `rearm`: ReArm of an E-STOP/door lockout also re-arms the controller that latched it (the device protocol's `rearm`
-- command with `authorizer`, the re-arming user). It travels through the same outbox, dispatcher, lifecycle and acks
-- as valve commands. Its `device_id` is the controller (the group's E-STOP or door source) and its `zone_id` the
-- group's first zone (the row needs one; nothing reads it for a re-arm).
-- `duration_seconds`: a valve open carries the step's duration plus a margin, so the controller closes the valve
-- itself if the platform's close never reaches it (the device protocol's `duration_s`).
ALTER TABLE device_commands DROP CONSTRAINT device_commands_action_value;
ALTER TABLE device_commands ADD CONSTRAINT device_commands_action_value CHECK (action IN ('open', 'close', 'rearm'));
ALTER TABLE device_commands
    ADD COLUMN duration_seconds integer
        CONSTRAINT device_commands_duration_seconds_value
            CHECK (duration_seconds IS NULL OR (duration_seconds > 0 AND action = 'open')),
    ADD COLUMN authorizer text
        CONSTRAINT device_commands_authorizer_value CHECK (length(authorizer) BETWEEN 1 AND 128),
    ADD CONSTRAINT device_commands_rearm_authorizer CHECK ((action = 'rearm') = (authorizer IS NOT NULL));
