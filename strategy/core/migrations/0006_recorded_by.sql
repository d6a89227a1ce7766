-- Who entered an acknowledgement or a training completion: the signed-in person
-- (earlier rows were entered before sign-in existed and name nobody).
ALTER TABLE acknowledgement ADD COLUMN recorded_by VARCHAR DEFAULT '';
ALTER TABLE training_completion ADD COLUMN recorded_by VARCHAR DEFAULT '';
