import { Controller, Get } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Public } from '../common/route-policy.js';
import { DatabaseHealth } from '../database/database-health.js';

@Controller('health')
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  /** 200 when the process is alive and the database answers; 503 otherwise, so a balancer stops routing here. */
  @Public()
  @Get()
  async check() {
    if (!(await this.database.isUp())) {
      throw new AppError('database_unavailable', { retryAfterSeconds: 5 });
    }
    return { status: 'ok', database: 'up' };
  }
}
