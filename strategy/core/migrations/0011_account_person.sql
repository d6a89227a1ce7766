-- Which member of staff an account is, in each organisation it belongs to: what
-- they own (standards, measures, complaints) and the training they need is
-- recorded against the employee, and "For you" and the reminder e-mail need to
-- know whose list to draw.
ALTER TABLE membership ADD COLUMN employee_id BIGINT;
