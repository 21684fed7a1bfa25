import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AdminController } from './admin.controller.js';

@Module({
  imports: [SessionsModule, TokensModule],
  controllers: [AdminController],
})
export class AdminModule {}
