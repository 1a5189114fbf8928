export { type GcSchedule, type GcScheduleOptions, scheduleGc } from './schedule.ts';
