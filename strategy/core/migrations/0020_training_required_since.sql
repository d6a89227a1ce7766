-- Since when a team or role has had to take a module: someone hired before it was
-- required is due within the module's days of this date, not of their hiring (a
-- requirement added today must not be overdue since 2019). Requirements made before
-- this migration keep counting from the hire date (NULL).
ALTER TABLE training_requirement ADD COLUMN required_since DATE;
