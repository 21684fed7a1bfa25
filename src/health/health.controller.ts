import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AppError } from '../common/app-error.js';
import { Public } from '../common/route-policy.js';
import { DatabaseHealth } from '../database/database-health.js';
import { ApiErrors } from '../openapi/api-errors.js';

class HealthView {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ enum: ['up'] }) database!: 'up';
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  /** 200 when the process is alive and the database answers; 503 otherwise, so a balancer stops routing here. */
  @ApiOperation({ summary: 'Liveness and database readiness' })
  @ApiOkResponse({ type: HealthView })
  @ApiErrors('database_unavailable')
  @Public()
  @Get()
  async check(): Promise<HealthView> {
    if (!(await this.database.isUp())) {
      throw new AppError('database_unavailable', { retryAfterSeconds: 5 });
    }
    return { status: 'ok', database: 'up' };
  }
}
